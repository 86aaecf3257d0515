"""A torchrun worker that says where it runs and then waits to be stopped (the SIGTERM test)."""
import os
import socket
import sys
import time

print(f"STARTED host={socket.gethostname()} iface={os.environ.get('GLOO_SOCKET_IFNAME', '')}", flush=True)
marker_dir = os.environ.get("SF_MARKERS")
if marker_dir:
    open(os.path.join(marker_dir, f"started.{socket.gethostname()}"), "w").close()
time.sleep(600)
sys.exit(0)
