# shellcheck shell=bash
# Shared by the numbered scripts (sourced, never run): settings from the environment, the
# dry-run mode, and the rendering of the JSON documents beside this file.
#
# Settings every script reads (environment variables):
#   REGION       AWS region (default: AWS_REGION, then AWS_DEFAULT_REGION; required)
#   BUCKET       the lake's bucket (required; bucket names are global, so no default)
#   PREFIX       the lake's prefix in the bucket: the lake is s3://$BUCKET/$PREFIX (default: lake)
#   NAME_PREFIX  prefix of every name these scripts give (roles, groups, alarms...) (default: joblake)
#   LOG_BUCKET   where S3 access logs and CloudTrail go (default: $BUCKET-logs)
#   SSE          kms (default: a customer-managed KMS key, alias $KMS_ALIAS) or s3 (SSE-S3)
#   KMS_ALIAS    (default: alias/$NAME_PREFIX-lake)
#   TRAIL_NAME   (default: $NAME_PREFIX-lake-data-events)
#   ACCOUNT_ID   (default: asked of STS)
#   DRY_RUN=1 or --dry-run: print the commands instead of running them (see below).

set -euo pipefail
# The CLI's pager would stop a script waiting for a key.
export AWS_PAGER=""

AWS_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
DRY_RUN="${DRY_RUN:-0}"

die() {
  printf '%s: %s\n' "${0##*/}" "$*" >&2
  exit 1
}

say() {
  printf '== %s\n' "$*"
}

# The header comment of the running script, as its --help.
usage() {
  sed -n '2,/^$/{s/^# \{0,1\}//;p}' "$0"
}

parse_args() {
  local arg
  for arg in "$@"; do
    case "$arg" in
      --dry-run) DRY_RUN=1 ;;
      -h | --help)
        usage
        exit 0
        ;;
      *) die "unknown argument: $arg (the settings are environment variables; see --help)" ;;
    esac
  done
  case "$DRY_RUN" in
    0 | 1) ;;
    *) die "DRY_RUN=$DRY_RUN: use 0 or 1" ;;
  esac
  if [ "$DRY_RUN" = 0 ] && ! command -v aws >/dev/null; then
    die "the AWS CLI (v2) is not installed; DRY_RUN=1 shows what would run"
  fi
}

# need NAME HINT: fails naming the variable when it is unset or empty.
need() {
  [ -n "${!1:-}" ] || die "$1 is required: $2"
}

# need_int NAME: fails unless the variable is a whole number.
need_int() {
  [[ ${!1:-} =~ ^[0-9]+$ ]] || die "$1=${!1:-} is not a whole number"
}

# Runs a command, or in dry-run mode prints it, quoted so that it reads as shell.
run() {
  if [ "$DRY_RUN" = 1 ]; then
    printf '+'
    printf ' %q' "$@"
    printf '\n'
  else
    "$@"
  fi
}

# lookup PLACEHOLDER COMMAND...: a read-only call whose output is a value (an id, an ARN).
# In dry-run mode nothing is called and PLACEHOLDER stands for the value.
lookup() {
  local placeholder="$1"
  shift
  if [ "$DRY_RUN" = 1 ]; then
    printf '%s\n' "$placeholder"
  else
    "$@"
  fi
}

# exists COMMAND...: true when a read-only call succeeds (the resource is there). Always false
# in dry-run mode, so that a dry run shows everything a first run creates.
exists() {
  [ "$DRY_RUN" = 0 ] || return 1
  "$@" >/dev/null 2>&1
}

# render FILE (relative to this directory): writes FILE with its placeholders replaced into a
# private temporary directory and sets RENDERED to its path. `${NAME}` is replaced by the
# variable NAME; names ending in _DAYS or _HOURS are numbers, written "${NAME}" (quoted, so
# that the file in the repository is valid JSON) and rendered bare. An unset variable, or a
# placeholder left over, is an error: IAM would read `${...}` as a policy variable.
RENDERED=""
RENDER_DIR=""
# A private temporary directory for rendered documents and generated secrets, removed on exit.
private_dir() {
  if [ -z "$RENDER_DIR" ]; then
    RENDER_DIR="$(mktemp -d)"
    chmod 700 "$RENDER_DIR"
    # shellcheck disable=SC2064 # the directory is known now, and must be the one removed
    trap "rm -rf '$RENDER_DIR'" EXIT
  fi
}
render() {
  local src="$AWS_DIR/$1" text name value pattern
  [ -f "$src" ] || die "no such document: $src"
  private_dir
  text="$(<"$src")"
  while [[ $text =~ \$\{([A-Za-z_][A-Za-z0-9_]*)\} ]]; do
    name="${BASH_REMATCH[1]}"
    [ -n "${!name:-}" ] || die "$1 needs $name, which is not set"
    value="${!name}"
    [[ $value != *"\${"* && $value != *'"'* && $value != *\\* ]] || die "$name has a character the JSON cannot hold"
    if [[ $name == *_DAYS || $name == *_HOURS ]]; then
      need_int "$name"
      pattern="\"\${$name}\""
      text="${text//"$pattern"/"$value"}"
    fi
    pattern="\${$name}"
    text="${text//"$pattern"/"$value"}"
  done
  RENDERED="$RENDER_DIR/$(basename "$1")"
  printf '%s\n' "$text" >"$RENDERED"
  if command -v jq >/dev/null && ! jq empty "$RENDERED" 2>/dev/null; then
    die "$1 is not valid JSON once rendered"
  fi
  if [ "$DRY_RUN" = 1 ]; then
    printf '# %s, rendered:\n' "$1"
    sed 's/^/#   /' "$RENDERED"
  fi
}

# Settings shared by every script.
REGION="${REGION:-${AWS_REGION:-${AWS_DEFAULT_REGION:-}}}"
BUCKET="${BUCKET:-}"
PREFIX="${PREFIX:-lake}"
NAME_PREFIX="${NAME_PREFIX:-joblake}"
LOG_BUCKET="${LOG_BUCKET:-${BUCKET:+$BUCKET-logs}}"
SSE="${SSE:-kms}"
KMS_ALIAS="${KMS_ALIAS:-alias/$NAME_PREFIX-lake}"
TRAIL_NAME="${TRAIL_NAME:-$NAME_PREFIX-lake-data-events}"
ACCOUNT_ID="${ACCOUNT_ID:-}"

# check_settings: validates the shared settings and asks STS for the account when needed.
check_settings() {
  need REGION "the AWS region, e.g. REGION=eu-west-3"
  need BUCKET "the lake's bucket name, globally unique, e.g. BUCKET=acme-joblake-lake"
  [[ $REGION =~ ^[a-z]{2}(-[a-z]+)+-[0-9]$ ]] || die "REGION=$REGION does not look like a region (eu-west-3)"
  local bucket_name='^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$'
  [[ $BUCKET =~ $bucket_name ]] || die "BUCKET=$BUCKET is not a valid bucket name"
  [[ $LOG_BUCKET =~ $bucket_name ]] || die "LOG_BUCKET=$LOG_BUCKET is not a valid bucket name"
  [ "$LOG_BUCKET" != "$BUCKET" ] || die "LOG_BUCKET must differ from BUCKET (logs of a bucket written into itself never end)"
  # Not empty: the IAM conditions confine the pipeline to "$PREFIX/*".
  [[ $PREFIX =~ ^[A-Za-z0-9][A-Za-z0-9._/-]*$ && $PREFIX != */ && $PREFIX != *//* ]] ||
    die "PREFIX=$PREFIX: use a non-empty path without leading or trailing slash, e.g. lake"
  [[ $NAME_PREFIX =~ ^[A-Za-z][A-Za-z0-9-]{0,30}$ ]] || die "NAME_PREFIX=$NAME_PREFIX: letters, digits and dashes"
  case "$SSE" in
    kms | s3) ;;
    *) die "SSE=$SSE: use kms or s3" ;;
  esac
  if [ -z "$ACCOUNT_ID" ]; then
    ACCOUNT_ID="$(lookup 111122223333 aws sts get-caller-identity --query Account --output text)"
  fi
  [[ $ACCOUNT_ID =~ ^[0-9]{12}$ ]] || die "ACCOUNT_ID=$ACCOUNT_ID is not a 12-digit account id"
  if [ "$DRY_RUN" = 1 ]; then
    say "dry run: nothing is called; ids AWS would return are placeholders (account $ACCOUNT_ID)"
  fi
}

# The ARN of the lake's KMS key (SSE=kms), from its alias.
kms_key_arn() {
  lookup "arn:aws:kms:$REGION:$ACCOUNT_ID:key/00000000-0000-0000-0000-000000000000" \
    aws kms describe-key --region "$REGION" --key-id "$KMS_ALIAS" --query KeyMetadata.Arn --output text
}

# capture VAR PLACEHOLDER COMMAND...: runs a command that creates something and sets VAR to
# what it prints (an id, an ARN). In dry-run mode the command is printed and VAR is PLACEHOLDER.
capture() {
  local var="$1" placeholder="$2" out
  shift 2
  if [ "$DRY_RUN" = 1 ]; then
    run "$@"
    out="$placeholder"
  else
    out="$("$@")"
  fi
  printf -v "$var" '%s' "$out"
}
