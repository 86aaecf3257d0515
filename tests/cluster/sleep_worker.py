"""A torchrun worker that says where it runs and then waits to be stopped (the SIGTERM test)."""
import os
import socket
import sys
import time

print(f"STARTED host={socket.gethostname()} iface={os.environ.get('GLOO_SOCKET_IFNAME', '')}", flush=True)
time.sleep(600)
sys.exit(0)
