"""The import pages: upload, check, commit and follow an Excel import of any registered kind."""
