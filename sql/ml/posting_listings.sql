-- Which posting each listing (source, source id) belongs to: how `joblake train --labels`
-- finds the postings of hand-labelled listings.
SELECT posting_id, source, source_id
FROM silver.posting_sources
