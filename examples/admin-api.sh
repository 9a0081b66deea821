#!/bin/sh
# A gateway provisioned through an admin API, as --setup and --teardown run it
# (sh -c, with GATEWAY_PORT, GATEWAY_HOST, MOCK_URL, … in the environment).
# The route and service names are examples; adapt the calls to your gateway.
#   gatebench run --gateway "my-gateway --port {{PORT}}" \
#     --setup "sh examples/admin-api.sh create" --teardown "sh examples/admin-api.sh delete"
set -eu
admin="http://${GATEWAY_HOST}:${GATEWAY_PORT}/admin"
case "${1:-}" in
  create)
    curl -fsS -X POST "$admin/routes" -H 'content-type: application/json' \
      -d "{\"name\":\"gatebench\",\"path\":\"/v1\",\"upstream\":\"${MOCK_URL}\"}"
    ;;
  delete)
    curl -fsS -X DELETE "$admin/routes/gatebench"
    ;;
  *)
    echo "usage: admin-api.sh create|delete" >&2
    exit 2
    ;;
esac
