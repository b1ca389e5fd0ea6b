// Graph schema of interestgraph (docs/graph-model.md), applied by `interestgraph db schema`.
// Every statement is idempotent (IF NOT EXISTS). Vector indexes start at d = 64 dimensions;
// the training write-back recreates them with the trained model's
// dimension when it differs. Quantization is off: Neo4j's default int8 quantization reorders
// near neighbours (measured: the 4th-best inner product came back first), and exact vectors cost
// little at catalogue sizes.

// One node per id: MERGE on these ids is an index seek, and duplicates are refused.
CREATE CONSTRAINT user_id IF NOT EXISTS FOR (u:User) REQUIRE u.id IS UNIQUE;
CREATE CONSTRAINT item_id IF NOT EXISTS FOR (i:Item) REQUIRE i.id IS UNIQUE;
CREATE CONSTRAINT category_id IF NOT EXISTS FOR (c:Category) REQUIRE c.id IS UNIQUE;
CREATE CONSTRAINT brand_id IF NOT EXISTS FOR (b:Brand) REQUIRE b.id IS UNIQUE;

// Raw LightGCN item vectors, for `similar` items.
CREATE VECTOR INDEX item_embedding IF NOT EXISTS
FOR (i:Item) ON i.embedding
OPTIONS {indexConfig: {`vector.dimensions`: 64, `vector.similarity_function`: 'cosine',
                      `vector.quantization.enabled`: false}};


// One node per written-back model (serving/writeback.py): MERGE on the run id.
CREATE CONSTRAINT embedding_model_id IF NOT EXISTS FOR (m:EmbeddingModel) REQUIRE m.id IS UNIQUE;

// User segments (segments/store.py): one node per segment id, one per segmentation run.
CREATE CONSTRAINT segment_id IF NOT EXISTS FOR (s:Segment) REQUIRE s.id IS UNIQUE;
CREATE CONSTRAINT segment_run_id IF NOT EXISTS FOR (r:SegmentRun) REQUIRE r.id IS UNIQUE;

// User vectors.
CREATE VECTOR INDEX user_embedding IF NOT EXISTS
FOR (u:User) ON u.embedding
OPTIONS {indexConfig: {`vector.dimensions`: 64, `vector.similarity_function`: 'cosine',
                      `vector.quantization.enabled`: false}};

// The ingest ledger: one node per applied event chunk (a hash of its events), created in the same
// transaction as the chunk's edge updates, so no chunk is applied twice.
CREATE CONSTRAINT ingest_chunk_id IF NOT EXISTS FOR (c:IngestChunk) REQUIRE c.id IS UNIQUE;

// Item text vectors (all-MiniLM-L6-v2, 384 dimensions, L2-normalised) for text similarity and
// topics; the dimension is the model's, so nothing recreates this index.
CREATE VECTOR INDEX item_text_embedding IF NOT EXISTS
FOR (i:Item) ON i.text_embedding
OPTIONS {indexConfig: {`vector.dimensions`: 384, `vector.similarity_function`: 'cosine',
                      `vector.quantization.enabled`: false}};

// Topics of the current clustering run (`interestgraph topics`).
CREATE CONSTRAINT topic_id IF NOT EXISTS FOR (t:Topic) REQUIRE t.id IS UNIQUE;

// Delta exports (export/delta.py) read what changed since the last export: relationships by
// `changed_at` (set by the ingest when it creates them or applies new events to them) and nodes
// by `created_at`, each an index seek instead of a scan of the type.
CREATE INDEX purchased_changed_at IF NOT EXISTS FOR ()-[r:PURCHASED]-() ON (r.changed_at);
CREATE INDEX added_to_cart_changed_at IF NOT EXISTS FOR ()-[r:ADDED_TO_CART]-() ON (r.changed_at);
CREATE INDEX viewed_changed_at IF NOT EXISTS FOR ()-[r:VIEWED]-() ON (r.changed_at);
CREATE INDEX clicked_changed_at IF NOT EXISTS FOR ()-[r:CLICKED]-() ON (r.changed_at);
CREATE INDEX rated_changed_at IF NOT EXISTS FOR ()-[r:RATED]-() ON (r.changed_at);
CREATE INDEX in_category_changed_at IF NOT EXISTS FOR ()-[r:IN_CATEGORY]-() ON (r.changed_at);
CREATE INDEX made_by_changed_at IF NOT EXISTS FOR ()-[r:MADE_BY]-() ON (r.changed_at);
CREATE INDEX subcategory_of_changed_at IF NOT EXISTS FOR ()-[r:SUBCATEGORY_OF]-() ON (r.changed_at);
CREATE INDEX follows_changed_at IF NOT EXISTS FOR ()-[r:FOLLOWS]-() ON (r.changed_at);
CREATE INDEX user_created_at IF NOT EXISTS FOR (n:User) ON (n.created_at);
CREATE INDEX item_created_at IF NOT EXISTS FOR (n:Item) ON (n.created_at);
CREATE INDEX category_created_at IF NOT EXISTS FOR (n:Category) ON (n.created_at);
CREATE INDEX brand_created_at IF NOT EXISTS FOR (n:Brand) ON (n.created_at);
