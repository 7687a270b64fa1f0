-- Why each listing belongs to its posting: the listing that founded its opening (for a founder,
-- itself), the rule that merged it into that one, the share of its text that lines up with the
-- founder's, and, for a founder whose title and place an earlier opening shares, the fact that
-- kept it apart. Explains every merge of silver.posting_sources (the rules are in
-- silver.int_listing_openings).
-- grain: source, source_id
-- materialized: table
-- unique: source, source_id
-- not_null: posting_id, source, source_id, matched_source, matched_source_id, rule, score
-- accepted_values: rule in ('first_listing', 'same_company', 'company_variant', 'company_unknown', 'same_text')
-- relationships: posting_id -> silver.job_postings.posting_id
-- merge_on: source_id
-- deletion_vectors: keep
-- A refresh computes again only the listings whose rows the merges of posting_sources and
-- int_listing_openings replaced (merge_on, docs/models.md); read by models and by whoever asks
-- why two listings were merged, it keeps its deletion vectors until `joblake maintain`.
-- In passes by listing under a memory limit (joblake_pass, docs/models.md): a join of every
-- listing with its opening.
CREATE TABLE matched AS
SELECT
    l.posting_id,
    l.source,
    l.source_id,
    o.leader_source AS matched_source,
    o.leader_source_id AS matched_source_id,
    o.rule,
    o.overlap AS score,
    o.kept_apart
FROM silver.posting_sources l
JOIN silver.int_listing_openings o ON o.source = l.source AND o.source_id = l.source_id
WHERE joblake_pass(l.source_id) AND joblake_pass(o.source_id);

SELECT * FROM matched
