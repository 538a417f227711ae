"""The edge and the composition root: create_app, the Teams gateway, commands and handlers, the command line."""
