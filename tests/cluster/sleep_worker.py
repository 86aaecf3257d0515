"""A torchrun worker that says where it runs and then waits to be stopped (the SIGTERM tests).

With --stubborn it is the worker a stop must not miss: it ignores SIGTERM (as one stuck in NCCL
can seem to) and starts a helper in a session of its own (as torch 2.x starts its workers), which
ignores SIGTERM too; neither a signal to torchrun's process group nor SIGTERM ends them.
"""
import os
import signal
import socket
import subprocess
import sys
import time

if "--helper" in sys.argv:
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    time.sleep(600)
    sys.exit(0)
if "--stubborn" in sys.argv:
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    subprocess.Popen([sys.executable, __file__, "--helper"], start_new_session=True)
# One write per line (see allreduce_check.say): hosts' lines share one ssh-fed output.
sys.stdout.write(f"STARTED host={socket.gethostname()} iface={os.environ.get('GLOO_SOCKET_IFNAME', '')}\n")
sys.stdout.flush()
time.sleep(600)
sys.exit(0)
