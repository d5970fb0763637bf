"""Task force pages of this app, one module a page: the list (`listing`), outline editing
(`outline`) and checkpoints (`checkpoints`)."""
