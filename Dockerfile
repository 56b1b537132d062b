# fgboot for FunctionGraph container-image functions: `bootstrap serve` on port 8000.
#
#   make bootstrap && docker build -t fgboot .
#
# The image holds the static binary and nothing else: no shell, no libc, no CA
# files (bootstrap falls back to the Mozilla bundle compiled into it). It runs as
# user and group 1003, the ids FunctionGraph runs container images with.
FROM scratch
COPY --chown=1003:1003 --chmod=0755 bootstrap /bootstrap
USER 1003:1003
EXPOSE 8000
ENTRYPOINT ["/bootstrap", "serve"]
