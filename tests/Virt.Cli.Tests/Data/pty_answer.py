"""Runs a program on a pseudo-terminal and types one answer key each time it asks "Try again?".

usage: pty_answer.py KEYS PROGRAM [ARGS...]
Prints everything the program wrote to the terminal (stdout and stderr merged, as a terminal shows them) and exits
with the program's exit status. vsh's edit prompt only appears on a terminal, so tests drive it through this.
"""
import os
import pty
import select
import sys
import time

answers = list(sys.argv[1])
argv = sys.argv[2:]
pid, fd = pty.fork()
if pid == 0:
    os.execv(argv[0], argv)

out = b""
asked = 0
deadline = time.time() + 60
while time.time() < deadline:
    ready, _, _ = select.select([fd], [], [], 0.5)
    if not ready:
        continue
    try:
        data = os.read(fd, 4096)
    except OSError:
        break  # EIO: the program exited and the terminal closed
    if not data:
        break
    out += data
    while out.count(b"Try again?") > asked and answers:
        os.write(fd, answers.pop(0).encode())
        asked += 1

_, status = os.waitpid(pid, 0)
sys.stdout.write(out.decode("utf-8", "replace"))
sys.exit(os.waitstatus_to_exitcode(status))
