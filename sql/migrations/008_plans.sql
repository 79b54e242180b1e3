-- Planning acts: supplementary regulations of any geometry (INSPIRE PLU
-- SupplementaryRegulation: points, lines and surfaces), attributes of APP
-- areas that have no column of their own, and the history of act versions.

CREATE TABLE plan_regulation (
    id        bigserial PRIMARY KEY,
    plan_id   bigint NOT NULL REFERENCES plan (id) ON DELETE CASCADE,
    terc      terc NOT NULL,
    local_id  text NOT NULL,
    kind      text NOT NULL DEFAULT '',   -- supplementary regulation code
    name      text NOT NULL DEFAULT '',
    nature    text NOT NULL DEFAULT '',   -- regulation nature (binding…)
    attrs     jsonb NOT NULL DEFAULT '{}',
    geom      geometry(Geometry, 2180) NOT NULL CHECK (lad_valid_geom(geom)),
    geom_3857 geometry(Geometry, 3857) GENERATED ALWAYS AS (ST_Transform(geom, 3857)) STORED,
    batch_id  bigint REFERENCES ingest_batch (id),
    UNIQUE (plan_id, local_id)
);
CREATE INDEX plan_regulation_geom ON plan_regulation USING gist (geom);
CREATE INDEX plan_regulation_geom_3857 ON plan_regulation USING gist (geom_3857);

ALTER TABLE plan_zone ADD COLUMN attrs jsonb NOT NULL DEFAULT '{}';

-- Every version of every act, newest first, with what superseded it.
CREATE VIEW plan_history AS
SELECT p.namespace, p.local_id, p.version_id, p.id, p.title, p.status, p.adopted_on, p.valid_from, p.valid_to,
       p.superseded_by, n.version_id AS superseded_by_version, p.superseded_by IS NULL AS current, p.batch_id
FROM plan p LEFT JOIN plan n ON n.id = p.superseded_by
ORDER BY p.namespace, p.local_id, p.version_id DESC;
