#!/usr/bin/env bash
# 01-bucket.sh: the lake's bucket and its log bucket, secure by default.
#
# Creates, or brings back to these settings when they exist:
# - with SSE=kms (the default), a customer-managed KMS key for the lake ($KMS_ALIAS), with
#   yearly rotation;
# - the log bucket ($LOG_BUCKET): public access blocked, SSE-S3 (S3 access logging cannot
#   write into an SSE-KMS bucket), TLS only, logs expire after LOG_RETENTION_DAYS, written
#   only by S3 access logging of the lake bucket and by the trail of 04-audit.sh;
# - the lake bucket ($BUCKET): public access blocked, ACLs disabled, default encryption
#   (SSE-KMS with a bucket key, or SSE-S3), versioning, access logging, TLS 1.2+ only, and the
#   lifecycle of s3/lifecycle.json (bronze archives to a cold class then deleted, incomplete
#   multipart uploads aborted, old versions expired).
#
# Settings (environment), beside those of lib.sh (REGION, BUCKET, PREFIX, SSE, ...):
#   ARCHIVE_TRANSITION_DAYS  days after `joblake maintain` archived a bronze file (under
#                            $PREFIX/archive/bronze/) before it moves to the cold class (30)
#   ARCHIVE_STORAGE_CLASS    the cold class (GLACIER_IR: read at once, so `archive` can be
#                            moved back without a restore request)
#   ARCHIVE_EXPIRE_DAYS      days after archiving before an archived bronze file is deleted (365)
#   NONCURRENT_DAYS          days an overwritten or deleted object's old version is kept (30)
#   ABORT_MULTIPART_DAYS     days before an unfinished multipart upload is removed (1)
#   LOG_RETENTION_DAYS       days access logs and CloudTrail files are kept (365)
#
# Usage: REGION=eu-west-3 BUCKET=acme-joblake-lake ./01-bucket.sh [--dry-run]

here="$(cd "$(dirname "$0")" && pwd)"
# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$here/lib.sh"
parse_args "$@"
check_settings

ARCHIVE_TRANSITION_DAYS="${ARCHIVE_TRANSITION_DAYS:-30}"
ARCHIVE_STORAGE_CLASS="${ARCHIVE_STORAGE_CLASS:-GLACIER_IR}"
ARCHIVE_EXPIRE_DAYS="${ARCHIVE_EXPIRE_DAYS:-365}"
NONCURRENT_DAYS="${NONCURRENT_DAYS:-30}"
ABORT_MULTIPART_DAYS="${ABORT_MULTIPART_DAYS:-1}"
LOG_RETENTION_DAYS="${LOG_RETENTION_DAYS:-365}"
for n in ARCHIVE_TRANSITION_DAYS ARCHIVE_EXPIRE_DAYS NONCURRENT_DAYS ABORT_MULTIPART_DAYS LOG_RETENTION_DAYS; do
  need_int "$n"
done
[ "$ARCHIVE_EXPIRE_DAYS" -gt "$ARCHIVE_TRANSITION_DAYS" ] ||
  die "ARCHIVE_EXPIRE_DAYS ($ARCHIVE_EXPIRE_DAYS) must be greater than ARCHIVE_TRANSITION_DAYS ($ARCHIVE_TRANSITION_DAYS)"
case "$ARCHIVE_STORAGE_CLASS" in
  STANDARD_IA | ONEZONE_IA)
    # S3 refuses these classes earlier than 30 days after creation.
    [ "$ARCHIVE_TRANSITION_DAYS" -ge 30 ] || die "$ARCHIVE_STORAGE_CLASS needs ARCHIVE_TRANSITION_DAYS >= 30"
    ;;
  GLACIER_IR | GLACIER | DEEP_ARCHIVE | INTELLIGENT_TIERING) ;;
  *) die "ARCHIVE_STORAGE_CLASS=$ARCHIVE_STORAGE_CLASS is not a lifecycle storage class" ;;
esac
[ "$ABORT_MULTIPART_DAYS" -ge 1 ] || die "ABORT_MULTIPART_DAYS must be at least 1"
[ "$NONCURRENT_DAYS" -ge 1 ] || die "NONCURRENT_DAYS must be at least 1"

# create_bucket NAME: creates the bucket unless it exists (ACLs disabled from the start).
create_bucket() {
  local name="$1"
  if exists aws s3api head-bucket --region "$REGION" --bucket "$name"; then
    say "bucket $name exists: applying its settings again"
    return
  fi
  say "creating bucket $name"
  if [ "$REGION" = us-east-1 ]; then
    # us-east-1 refuses a LocationConstraint naming itself.
    run aws s3api create-bucket --region "$REGION" --bucket "$name" --object-ownership BucketOwnerEnforced
  else
    run aws s3api create-bucket --region "$REGION" --bucket "$name" --object-ownership BucketOwnerEnforced \
      --create-bucket-configuration "LocationConstraint=$REGION"
  fi
  run aws s3api wait bucket-exists --region "$REGION" --bucket "$name"
}

# lock_down NAME: the settings both buckets share.
lock_down() {
  local name="$1"
  render s3/public-access-block.json
  run aws s3api put-public-access-block --region "$REGION" --bucket "$name" \
    --public-access-block-configuration "file://$RENDERED"
  render s3/ownership-controls.json
  run aws s3api put-bucket-ownership-controls --region "$REGION" --bucket "$name" \
    --ownership-controls "file://$RENDERED"
}

KMS_KEY_ARN=""
if [ "$SSE" = kms ]; then
  if exists aws kms describe-key --region "$REGION" --key-id "$KMS_ALIAS"; then
    say "KMS key $KMS_ALIAS exists"
    KMS_KEY_ARN="$(kms_key_arn)"
  else
    say "creating the lake's KMS key ($KMS_ALIAS)"
    # The default key policy: the account's IAM policies (02-iam.sh) decide who uses it.
    capture KMS_KEY_ARN "arn:aws:kms:$REGION:$ACCOUNT_ID:key/00000000-0000-0000-0000-000000000000" \
      aws kms create-key --region "$REGION" --description "joblake lake s3://$BUCKET/$PREFIX" \
      --key-spec SYMMETRIC_DEFAULT --key-usage ENCRYPT_DECRYPT \
      --tags TagKey=project,TagValue=joblake --query KeyMetadata.Arn --output text
    run aws kms create-alias --region "$REGION" --alias-name "$KMS_ALIAS" --target-key-id "$KMS_KEY_ARN"
  fi
  run aws kms enable-key-rotation --region "$REGION" --key-id "$KMS_KEY_ARN"
fi

say "log bucket $LOG_BUCKET"
create_bucket "$LOG_BUCKET"
lock_down "$LOG_BUCKET"
render s3/encryption-sse-s3.json
run aws s3api put-bucket-encryption --region "$REGION" --bucket "$LOG_BUCKET" \
  --server-side-encryption-configuration "file://$RENDERED"
render s3/log-bucket-lifecycle.json
run aws s3api put-bucket-lifecycle-configuration --region "$REGION" --bucket "$LOG_BUCKET" \
  --lifecycle-configuration "file://$RENDERED"
render s3/log-bucket-policy.json
run aws s3api put-bucket-policy --region "$REGION" --bucket "$LOG_BUCKET" --policy "file://$RENDERED"

say "lake bucket $BUCKET (the lake: s3://$BUCKET/$PREFIX)"
create_bucket "$BUCKET"
lock_down "$BUCKET"
if [ "$SSE" = kms ]; then
  render s3/encryption-sse-kms.json
else
  render s3/encryption-sse-s3.json
fi
run aws s3api put-bucket-encryption --region "$REGION" --bucket "$BUCKET" \
  --server-side-encryption-configuration "file://$RENDERED"
render s3/versioning.json
run aws s3api put-bucket-versioning --region "$REGION" --bucket "$BUCKET" \
  --versioning-configuration "file://$RENDERED"
render s3/logging.json
run aws s3api put-bucket-logging --region "$REGION" --bucket "$BUCKET" \
  --bucket-logging-status "file://$RENDERED"
render s3/lifecycle.json
run aws s3api put-bucket-lifecycle-configuration --region "$REGION" --bucket "$BUCKET" \
  --lifecycle-configuration "file://$RENDERED"
render s3/bucket-policy.json
run aws s3api put-bucket-policy --region "$REGION" --bucket "$BUCKET" --policy "file://$RENDERED"

say "done. The pipeline's settings: JOBLAKE_LAKE=s3://$BUCKET/$PREFIX AWS_REGION=$REGION"
if [ "$SSE" = kms ]; then
  say "and, so that every object joblake writes names the key: AWS_SERVER_SIDE_ENCRYPTION=aws:kms AWS_SSE_KMS_KEY_ID=$KMS_KEY_ARN AWS_SSE_BUCKET_KEY_ENABLED=true"
fi
say "next: 02-iam.sh"
