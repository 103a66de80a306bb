"""The Encord remote: label rows of an Encord project, through the official `encord` SDK.

The SDK is imported lazily (here and nowhere in the core), and its exceptions are translated
to labelsync's in one place, `errors.py`.
"""

from reconciler.remotes.encord.project import EncordProject

__all__ = ["EncordProject"]
