"""The follow-through report's files (web page, Word, .xlsx) and charts: an adapter over the core's FollowThrough."""
