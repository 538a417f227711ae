"""Where minutes come from: the document sources (a local folder, SharePoint's delta source), each satisfying
workflows.ports.DocumentSource and listing the formats of minutes.formats."""
