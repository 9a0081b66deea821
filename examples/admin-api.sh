#!/bin/sh
# A gateway that starts empty and is given its routes through an admin API
# (the way Kong, APISIX or a home-grown router are set up): gatebench runs
# `create` once the gateway is ready and before any load, and `delete` after
# the load, before it stops the gateway.
#
#   gatebench run --gateway "my-gateway --port {{PORT}}" \
#     --setup "sh examples/admin-api.sh create" --teardown "sh examples/admin-api.sh delete"
#
# --setup and --teardown run through sh -c with the gateway's environment
# plus GATEWAY_HOST, GATEWAY_PORT, MOCK_URL (e.g. http://127.0.0.1:9091/v1),
# MOCK_HOST and MOCK_PORT. A failing `create` (curl -f: any HTTP status of
# 400 or more) stops the run before the load, with this script's output.
#
# The calls below are those of a simple admin API:
#   POST   /admin/routes         {"name": "gatebench", "path": "/v1", "upstream": "<MOCK_URL>"}
#   DELETE /admin/routes/gatebench
# Adapt the URL, the body and any admin credentials to your gateway. Needs curl.
set -eu
command -v curl >/dev/null 2>&1 || { echo "admin-api.sh: curl is not installed" >&2; exit 127; }
admin="http://${GATEWAY_HOST}:${GATEWAY_PORT}/admin"
case "${1:-}" in
  create)
    curl -fsS -X POST "$admin/routes" -H 'content-type: application/json' \
      -d "{\"name\":\"gatebench\",\"path\":\"/v1\",\"upstream\":\"${MOCK_URL}\"}"
    echo
    ;;
  delete)
    curl -fsS -X DELETE "$admin/routes/gatebench"
    ;;
  *)
    echo "usage: admin-api.sh create|delete" >&2
    exit 2
    ;;
esac
