"""`serve` refuses a port another server listens on, and takes one whose last server just left."""

from __future__ import annotations

import socket

import pytest

from interestgraph.cli.commands import _require_free_port
from interestgraph.errors import BadInput


def test_a_port_with_a_listener_is_refused_with_one_clear_line() -> None:
    with socket.create_server(("127.0.0.1", 0)) as listener:
        port = listener.getsockname()[1]
        with pytest.raises(BadInput, match=f"cannot serve on 127.0.0.1:{port}"):
            _require_free_port("127.0.0.1", port)


def test_a_port_whose_server_just_stopped_is_free() -> None:
    listener = socket.create_server(("127.0.0.1", 0))
    port = listener.getsockname()[1]
    client = socket.create_connection(("127.0.0.1", port))
    served, _ = listener.accept()
    served.close()  # the server's end closes first and lingers in TIME_WAIT
    client.close()
    listener.close()

    _require_free_port("127.0.0.1", port)
