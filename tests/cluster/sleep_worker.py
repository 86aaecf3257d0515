"""A torchrun worker that says where it runs and then waits to be stopped (the SIGTERM test)."""
import os
import socket
import sys
import time

# One write per line (see allreduce_check.say): hosts' lines share one ssh-fed output.
sys.stdout.write(f"STARTED host={socket.gethostname()} iface={os.environ.get('GLOO_SOCKET_IFNAME', '')}\n")
sys.stdout.flush()
time.sleep(600)
sys.exit(0)
