"""The follow-through report's files: charts (matplotlib, Agg), a web page, a Word document and an .xlsx workbook
for auditors, written from minutes.follow_through.FollowThrough. An adapter: writes files, imports the core only."""
