#!/bin/bash
# The shell + curl baseline of `make bench`: the `bootstrap` of the FunctionGraph
# custom-runtime documentation's sample (spec.md 1.3), unchanged in substance:
# GET the next event with its headers into a temporary file, grep the request id,
# POST a constant answer with `curl -d`. It calls no cloud API.
# (Only additions: the header file is removed after use, and curl's POST output
# goes to /dev/null.)
set -o pipefail

while true
do
  HEADERS="$(mktemp)"
  # Get an event.
  EVENT_DATA=$(curl -sS -LD "$HEADERS" -X GET "http://$RUNTIME_API_ADDR/v1/runtime/invocation/request")
  # Get the request id from the response headers.
  REQUEST_ID=$(grep -Fi x-cff-request-id "$HEADERS" | tr -d '[:space:]' | cut -d: -f2)
  rm -f "$HEADERS"
  if [ -z "$REQUEST_ID" ]; then
    continue
  fi
  # Process the event (a constant answer).
  RESPONSE='{"status":"success","message":"hello world"}'
  # Post the answer.
  curl -sS -o /dev/null -X POST "http://$RUNTIME_API_ADDR/v1/runtime/invocation/response/$REQUEST_ID" -d "$RESPONSE"
done
