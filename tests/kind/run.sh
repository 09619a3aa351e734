#!/usr/bin/env bash
# Run the e2e suite against a kind cluster instead of the locally built control plane.
# Needs Docker and kind; it cannot run on the project's CI machines (no Docker engine there).
#   tests/kind/run.sh [extra pytest args...]
# Env: KIND_CLUSTER_NAME (flowlog-e2e), KIND_NODE_IMAGE (kind's default), FLOWLOG_IMAGE (flowlog-operator:e2e),
#      KEEP_CLUSTER=1 to keep a cluster this script created.
set -euo pipefail
cd "$(dirname "$0")/../.."

cluster=${KIND_CLUSTER_NAME:-flowlog-e2e}
image=${FLOWLOG_IMAGE:-flowlog-operator:e2e}

for tool in docker kind; do
  command -v "$tool" >/dev/null || { echo "run.sh: '$tool' is required" >&2; exit 2; }
done
docker info >/dev/null 2>&1 || { echo "run.sh: no Docker engine reachable" >&2; exit 2; }

created=0
if ! kind get clusters 2>/dev/null | grep -qx "$cluster"; then
  kind create cluster --name "$cluster" ${KIND_NODE_IMAGE:+--image "$KIND_NODE_IMAGE"} --wait 180s
  created=1
fi
kubeconfig=$(mktemp)
cleanup() {
  rm -f "$kubeconfig"
  if [[ $created == 1 && -z ${KEEP_CLUSTER:-} ]]; then kind delete cluster --name "$cluster"; fi
}
trap cleanup EXIT
kind get kubeconfig --name "$cluster" >"$kubeconfig"

if [[ -f Dockerfile ]]; then
  docker build -t "$image" .
  kind load docker-image "$image" --name "$cluster"
else
  echo "run.sh: no Dockerfile at the repo root yet; not loading an operator image" >&2
fi

export FLOWLOG_E2E_KUBECONFIG=$kubeconfig FLOWLOG_E2E_IMAGE=$image
make e2e PYTEST_ARGS="$*"
