"""`make run`'s first step: is the port free? Standard library only, so it
runs before the virtualenv exists (python core/port_check.py 8000).

Prints nothing and exits 0 when the port is free; otherwise prints one line
naming the next free port to use and exits 1."""

import socket
import sys

HOST = "127.0.0.1"


def port_free(port: int, host: str = HOST) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        # As gunicorn binds: a port left in TIME_WAIT by the last run is free.
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((host, port))
        except OSError:
            return False
    return True


def busy_message(port: int) -> str | None:
    """None when `port` is free, else the one line `make run` prints."""
    if port_free(port):
        return None
    other = next((p for p in range(port + 1, min(port + 100, 65536)) if port_free(p)), port + 1)
    return f"Port {port} is in use: run `make run PORT={other}`"


def main(argv: list[str]) -> int:
    try:
        port = int(argv[1])
    except (IndexError, ValueError):
        print("usage: port_check.py PORT", file=sys.stderr)
        return 2
    message = busy_message(port)
    if message:
        print(message)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
