"""labelsync: labels and tags as code, planned and applied against Encord label rows."""

__version__ = "0.1.0"
