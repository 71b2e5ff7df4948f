#!/usr/bin/env python3
"""Drives `pontotel credentials set` through a real pseudo-terminal.

usage: tty_prompt.py BINARY answer|interrupt
  answer:    types a username and a password at the prompts; reports whether the password
             was echoed and whether echo was off while the password prompt was shown.
  interrupt: presses Ctrl-C at the password prompt; reports whether echo is back on after.
The password is read from stdin (never on the command line). Prints one JSON object.
"""
import json
import os
import pty
import select
import sys
import termios
import time


def read_until(fd, needle, timeout=20.0):
    data = b""
    deadline = time.time() + timeout
    while needle not in data and time.time() < deadline:
        ready, _, _ = select.select([fd], [], [], 0.1)
        if ready:
            try:
                chunk = os.read(fd, 4096)
            except OSError:
                break
            if not chunk:
                break
            data += chunk
    return data


def echo_on(fd):
    return bool(termios.tcgetattr(fd)[3] & termios.ECHO)


def main():
    binary, mode = sys.argv[1], sys.argv[2]
    password = sys.stdin.readline().rstrip("\n")
    pid, fd = pty.fork()
    if pid == 0:
        os.execv(binary, [binary, "credentials", "set", "--store", "dotenv"])
    result = {}
    transcript = read_until(fd, b"username: ")
    os.write(fd, b"tty-user\n")
    transcript += read_until(fd, b"password for tty-user: ")
    time.sleep(0.2)
    result["echo_during_password_prompt"] = echo_on(fd)
    if mode == "answer":
        os.write(fd, password.encode() + b"\n")
        transcript += read_until(fd, b"stored", timeout=20)
    else:
        os.write(fd, b"\x03")
        time.sleep(0.3)
        result["echo_after_interrupt"] = echo_on(fd)
    _, status = os.waitpid(pid, 0)
    try:
        while True:
            ready, _, _ = select.select([fd], [], [], 0.2)
            if not ready:
                break
            chunk = os.read(fd, 4096)
            if not chunk:
                break
            transcript += chunk
    except OSError:
        pass
    result["exit_status"] = os.waitstatus_to_exitcode(status)
    result["password_echoed"] = password.encode() in transcript
    result["transcript_has_prompt"] = b"password for tty-user" in transcript
    print(json.dumps(result))


main()
