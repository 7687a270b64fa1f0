"""One-shot of docker-compose.yml: the lake's bucket on the S3 server, with the settings
infrastructure/aws/01-bucket.sh gives a real one that the server supports (public access
blocked, default encryption SSE-S3; the same JSON files). Running it again changes nothing."""

import json
import os
import sys
import time

import boto3
from botocore.exceptions import ClientError, EndpointConnectionError

SETTINGS = "/joblake/s3"
bucket = os.environ["JOBLAKE_BUCKET"]
s3 = boto3.client(
    "s3",
    endpoint_url=os.environ["AWS_ENDPOINT_URL"],
    region_name=os.environ.get("AWS_REGION", "us-east-1"),
)


def settings(name):
    with open(os.path.join(SETTINGS, name), encoding="utf-8") as f:
        return json.load(f)


# The server's health check may pass a moment before it serves S3 requests.
for attempt in range(30):
    try:
        s3.list_buckets()
        break
    except EndpointConnectionError:
        if attempt == 29:
            raise
        time.sleep(1)

try:
    s3.create_bucket(Bucket=bucket)
except ClientError as e:
    if e.response["Error"]["Code"] not in ("BucketAlreadyOwnedByYou", "BucketAlreadyExists"):
        raise
s3.put_public_access_block(
    Bucket=bucket, PublicAccessBlockConfiguration=settings("public-access-block.json")
)
s3.put_bucket_encryption(
    Bucket=bucket, ServerSideEncryptionConfiguration=settings("encryption-sse-s3.json")
)
print(f"create-bucket: s3://{bucket} ready", file=sys.stderr)
