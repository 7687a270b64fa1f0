#!/usr/bin/env bash
# 04-audit.sh: who read, wrote or deleted what in the lake. Run after 01-bucket.sh.
#
# A CloudTrail trail ($TRAIL_NAME) of the S3 data events of s3://$BUCKET/$PREFIX/ (every
# GetObject, PutObject, DeleteObject... with who, when, from where; cloudtrail/event-selectors.json),
# written under cloudtrail/ in the log bucket, whose policy (01-bucket.sh) lets only this trail
# write there. Log file validation is on: an hourly signed digest lets
# `aws cloudtrail validate-logs` prove that no log file was changed or removed. No management
# events: the account's own trail should record those, and a second copy of them is billed.
# One region (the bucket's). Running it again applies the selectors again and (re)starts logging.
#
# Settings (environment): those of lib.sh (REGION, BUCKET, PREFIX, LOG_BUCKET, TRAIL_NAME).
#
# Usage: REGION=eu-west-3 BUCKET=acme-joblake-lake ./04-audit.sh [--dry-run]

here="$(cd "$(dirname "$0")" && pwd)"
# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$here/lib.sh"
parse_args "$@"
check_settings
[[ $TRAIL_NAME =~ ^[A-Za-z0-9][A-Za-z0-9._-]{2,127}$ ]] || die "TRAIL_NAME=$TRAIL_NAME is not a trail name"

say "trail $TRAIL_NAME into s3://$LOG_BUCKET/cloudtrail/"
if exists aws cloudtrail get-trail --region "$REGION" --name "$TRAIL_NAME"; then
  say "it exists: applying its event selectors again"
else
  run aws cloudtrail create-trail --region "$REGION" --name "$TRAIL_NAME" \
    --s3-bucket-name "$LOG_BUCKET" --s3-key-prefix cloudtrail \
    --enable-log-file-validation --no-is-multi-region-trail \
    --tags-list Key=project,Value=joblake
fi
render cloudtrail/event-selectors.json
run aws cloudtrail put-event-selectors --region "$REGION" --trail-name "$TRAIL_NAME" \
  --advanced-event-selectors "file://$RENDERED"
run aws cloudtrail start-logging --region "$REGION" --name "$TRAIL_NAME"

say "done. Events reach s3://$LOG_BUCKET/cloudtrail/AWSLogs/$ACCOUNT_ID/ within about 5 minutes."
say "next: 05-alarms.sh"
