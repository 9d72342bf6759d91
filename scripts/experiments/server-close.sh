#!/bin/sh
# desc: crr, server closes first: the mirror sequence (needs --close-first server for all connections)
# The active/passive close sequence as Linux 6.18 reports it (inet_sock_set_state).
. "$(dirname "$0")/_lib.sh"

close_experiment server
finish
