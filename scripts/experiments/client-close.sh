#!/bin/sh
# desc: crr, client closes first: FIN_WAIT1, FIN_WAIT2, ->CLOSE (no TIME_WAIT event) vs CLOSE_WAIT, LAST_ACK, CLOSE
# The active/passive close sequence as Linux 6.18 reports it (inet_sock_set_state).
. "$(dirname "$0")/_lib.sh"

close_experiment client
finish
