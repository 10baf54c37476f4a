#!/bin/sh
# Installs the Node-RED peer of the pipeline benchmark into a directory of its own (never into
# this project: it is a yardstick, not a dependency). node-red 4.x runs on Node 20; 5.x needs 22.
# Usage: bench/peers/node-red/install.sh [DIR]   (default: $SHAOBING_NODE_RED_DIR or
#        ${TMPDIR:-/tmp}/shaobing-node-red). Prints the directory on its last line.
set -eu
DIR="${1:-${SHAOBING_NODE_RED_DIR:-${TMPDIR:-/tmp}/shaobing-node-red}}"
mkdir -p "$DIR"
cd "$DIR"
if [ ! -f package.json ]; then
  printf '{ "name": "shaobing-node-red-peer", "private": true }\n' > package.json
fi
# Pinned majors: node-red 4 (Node 20), node-red-contrib-influxdb 0.7 (InfluxDB 1.x via the
# `influx` client, 1.8+/2.x via @influxdata/influxdb-client).
npm install --no-audit --no-fund --loglevel=error node-red@4 node-red-contrib-influxdb@0.7 >&2
test -x node_modules/.bin/node-red
echo "$DIR"
