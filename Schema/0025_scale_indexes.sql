-- Indexes for reads that grow with the years (issue 20, measured with Deploy/bench.d/scale.sh
-- on five years of a municipality of 50,000: 50,000 cases).
-- The home page's "cases you submitted" (GET /v1/me/tasks): the newest 20 of one person's
-- cases, without reading every case of the municipality.
CREATE INDEX cases_submitted_by ON cases (submitted_by, created_at DESC, id) WHERE category = 'case';
