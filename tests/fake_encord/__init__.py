"""A local Encord API for tests: the real `encord` SDK talks to it over loopback HTTP.

    server = FakeEncord(tmp_path).start()
    key = server.new_ssh_key()
    project_hash = server.add_project("p", ontology_editor_dict)
    client = EncordUserClient.create_with_ssh_private_key(ssh_private_key=key, domain=server.domain)

Independent of `reconciler/` by design: it implements the other side of the wire.
"""

from .auth import generate_ssh_key
from .faults import Fault, RequestRecord
from .rows import FILE_TYPES, Image
from .server import FakeEncord

__all__ = ["FILE_TYPES", "FakeEncord", "Fault", "Image", "RequestRecord", "generate_ssh_key"]
