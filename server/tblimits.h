/*
 * tblimits.h - every size that comes from outside tbserve has a ceiling here.
 *
 * Event files and HTTP requests are untrusted. Each limit is checked before
 * memory is allocated for the thing it bounds; each has a one-line reason.
 * Changing one is a policy decision, not a tuning knob buried in a module.
 */
#ifndef TB_LIMITS_H
#define TB_LIMITS_H

/* TFRecord payload length. Real events are < 5 MB (graphs, images); 256 MiB
 * leaves room for huge graph_defs while rejecting garbage lengths. */
#define TB_MAX_RECORD_LEN (256u * 1024 * 1024)

/* Bytes read from an event file per read() call while loading. Large reads
 * keep syscall overhead negligible at GB/s. */
#define TB_READ_CHUNK (4u * 1024 * 1024)

/* Scratch arena for decoding one event; grows past this for large events,
 * and shrinks back after one so a single huge graph does not pin memory. */
#define TB_ARENA_KEEP (1u * 1024 * 1024)

/* Elements of one tensor we are willing to materialise (text tables,
 * histogram [k,3] tensors). 16M elements is far beyond any real summary. */
#define TB_MAX_TENSOR_ELEMS (16u * 1024 * 1024)

/* Cells of one text summary rendered as an HTML table (the first rows and
 * columns, with a warning): a 100-byte file can declare a [16M] string
 * tensor, and TensorBoard would render every repeat of its one string.
 * Real text tables have tens of cells. */
#define TB_MAX_TEXT_CELLS (16u * 1024)

/* Elements of a numeric tensor (TF2 histogram [k,3]) that the file does
 * not hold -- a shape with no values, or one value filling it -- that we
 * are willing to materialise: a 1024-bucket histogram. Beyond it the
 * point is skipped (a 30-byte value declaring a million buckets). */
#define TB_MAX_TENSOR_PADDING (3u * 1024)

/* Rank of a tensor we interpret (TensorFlow itself caps rank at 254). */
#define TB_MAX_TENSOR_RANK 64

/* Buckets in one histogram; torch 'auto' bins give hundreds, tf default 30. */
#define TB_MAX_HIST_BUCKETS (1u * 1024 * 1024)

/* Directory nesting while walking the logdir; deeper trees are ignored
 * (and logged) rather than recursing without bound. */
#define TB_MAX_WALK_DEPTH 64

/* Length of a run or tag name we accept; longer names are skipped. */
#define TB_MAX_NAME_LEN 4096

/* Threads reading runs at once during a load (--threads, or one per CPU):
 * more only contend for the disk and the store. */
#define TB_MAX_LOAD_THREADS 64

/* Points kept per series for plugins with no samples_per_plugin entry: 0
 * means every point is kept (tbserve's default, unlike TensorBoard). */
#define TB_KEEP_ALL 0

/* ---- text (Markdown and the HTML sanitiser) ---------------------------- */

/* Open elements in the sanitiser; a deeper start tag stays escaped text.
 * Bounds the per-token scope scans and the output of hostile nesting. */
#define TB_HTML_MAX_DEPTH 512

/* Entries in the list of active formatting elements; more stay escaped
 * text. html5lib clones every entry each time it reopens them, so this
 * bounds the blow-up of unclosed <em><strong>... chains. */
#define TB_HTML_MAX_FORMATTING 32

/* Attributes kept per element by the sanitiser; later ones are ignored.
 * Duplicate detection and html5lib's Noah's-Ark comparison are quadratic
 * in this, and only four attribute names can survive anyway. */
#define TB_HTML_MAX_ATTRS 64

/* Raw-HTML nesting tracked while extracting Python-Markdown's HTML blocks;
 * deeper tags are kept but not tracked, so such a block may end early and
 * the rest is ordinary text. Bounds the tag stack's memory. */
#define TB_MD_MAX_RAW_DEPTH 4096

/* Bytes a start tag may span for the raw-HTML extractor; a longer one is
 * text. html.parser rescans attributes from every '<', so without a bound
 * unterminated quotes make the extractor quadratic. */
#define TB_MD_MAX_TAG_BYTES 4096

/* ---- HTTP ---------------------------------------------------------------- */

/* Memory for one connection's request line, headers and parsed query
 * (libmicrohttpd's per-connection pool): bounds URL and header size (larger
 * requests get 414/431; a query so long that its parsed fields overflow the
 * pool has the connection closed). libmicrohttpd clears the pool on every
 * request, so this size costs time per request: 256 KiB halved throughput. */
#define TB_HTTP_CONN_MEMORY (64u * 1024)

/* POST body we accept (timeSeries and scalars_multirun forms are small;
 * 1 MiB allows thousands of runs in one request). Larger: 413. */
#define TB_HTTP_MAX_BODY (1u * 1024 * 1024)

/* Query or form fields per request; more is a 400 (nothing legitimate
 * sends hundreds of query fields; forms of many runs stay well below). */
#define TB_HTTP_MAX_PARAMS 1024
#define TB_HTTP_MAX_QUERY_PARAMS 256

/* Simultaneous connections, and per client address: enough for many
 * browser tabs and scripts, not enough to exhaust file descriptors. */
#define TB_HTTP_MAX_CONNECTIONS 1024
#define TB_HTTP_MAX_PER_IP 256

/* File descriptors kept free for everything but client connections
 * (listener, loader threads reading one file each, inotify, epoll, static
 * files): the connection limit is lowered to RLIMIT_NOFILE minus this, so
 * an accept() never fails with EMFILE and nothing else is starved. */
#define TB_FD_RESERVE 128

/* Threads answering requests (one per CPU up to this): handlers mostly
 * wait on locks and memory, not on CPU, beyond it. */
#define TB_HTTP_MAX_THREADS 16

/* Seconds a connection may sit idle while its answer is sent before it is
 * closed (libmicrohttpd's timeout; any byte moved restarts it). */
#define TB_HTTP_IDLE_TIMEOUT 30

/* Seconds from the moment a connection can send a request (it was accepted,
 * or its previous answer was sent) until that request's headers and body
 * have all arrived; then it is closed (conns.c). A client trickling a byte
 * every few seconds is dropped here, and so is an idle keep-alive
 * connection (browsers simply open a new one). */
#define TB_HTTP_REQUEST_DEADLINE 10

/* Connections libmicrohttpd accepts above TB_HTTP_MAX_CONNECTIONS: room for
 * new clients while the idle connections they displace close (conns.h). */
#define TB_HTTP_CONN_RESERVE 64

/* Serialised response bodies kept for reuse (cache.c), all series
 * together; beyond this bodies are still built, just not kept. */
#define TB_CACHE_MAX_BYTES (256u * 1024 * 1024)

/* Live push (server-sent events) streams open at once; each costs a
 * connection and a queue. More get 503. */
#define TB_LIVE_MAX_STREAMS 64

/* Live streams one client address may hold. When every stream is taken, a
 * new client's stream replaces the oldest of the address holding the most
 * (browsers reconnect on their own), so no address can take them all. */
#define TB_LIVE_MAX_PER_PEER 16

/* Bytes queued for one slow live client before its queue is dropped and it
 * is told to refetch everything (a "reset" event). */
#define TB_LIVE_MAX_QUEUE (1u * 1024 * 1024)

/* Seconds between live heartbeats (keeps proxies from closing the stream
 * and lets the server notice clients that went away). */
#define TB_LIVE_HEARTBEAT 15

/* A timeSeries reply up to this size is built whole (and gzipped); a
 * larger one is streamed, holding about this much at a time. */
#define TB_TIMESERIES_BUFFERED (1u * 1024 * 1024)

/* Bytes held by streamed timeSeries replies, all requests together; a new
 * large reply beyond it gets 503 (each holds TB_TIMESERIES_BUFFERED: 64
 * large replies in progress at once). */
#define TB_TIMESERIES_MAX_IN_FLIGHT (64u * 1024 * 1024)

/* Wrong tokens one client address may send within TB_AUTH_WINDOW seconds;
 * then every request from it gets 429 until the window ends. Addresses
 * are tracked in a table of TB_AUTH_PEERS (the oldest entry is reused). */
#define TB_AUTH_MAX_FAILURES 10
#define TB_AUTH_WINDOW 60
#define TB_AUTH_PEERS 256

/* Size of a --tls_cert or --tls_key file (PEM certificates and keys are a
 * few KiB; a chain of dozens fits). */
#define TB_TLS_MAX_FILE (1u * 1024 * 1024)

/* Items in one timeSeries request: every item may walk every run, so this
 * bounds the work one request buys (the dashboard sends one per call). */
#define TB_HTTP_MAX_SERIES_REQUESTS 1000

/* buckets= of scalars and scalars_multirun: a chart never needs more than
 * a few points per pixel, and each bucket costs server memory. */
#define TB_MAX_BUCKETS 100000

/* Bytes of one blob (image, audio clip, graph) read back for a request:
 * a record is at most TB_MAX_RECORD_LEN, so no blob is larger. */
#define TB_MAX_BLOB_READ TB_MAX_RECORD_LEN

/* Blob bytes held by all requests reading blobs back at once (blob.c): a
 * 200 MB audio clip fetched by ten tabs must not hold ten copies; a read
 * that would pass it answers 503 and the client retries. */
#define TB_MAX_BLOB_BYTES_IN_FLIGHT (512u * 1024 * 1024)

/* A record of at least TB_LEAN_RECORD bytes read from a file is decoded
 * without the encoded bytes of its images and audio clips of at least
 * TB_LEAN_MEDIA bytes (the blob index reads them back when asked): loading
 * a 200 MB clip then holds the record once, not twice. Below these the
 * copy costs less than the extra walk. */
#define TB_LEAN_RECORD (1u * 1024 * 1024)
#define TB_LEAN_MEDIA (64u * 1024)

/* A blob key coming back (individualImage, imageData, individualAudio):
 * base64 of [experiment, plugin, run, tag, step, index]; run and tag names
 * are at most a path and TB_MAX_NAME_LEN, JSON-escaped (6 bytes a byte at
 * worst), so real keys stay far below this. */
#define TB_MAX_BLOB_KEY (256u * 1024)

/* Largest file served from --static_dir (a development aid; the page's
 * files are far smaller). */
#define TB_STATIC_DIR_MAX_FILE (16u * 1024 * 1024)

/* Bytes a streamed body (export, live) hands the transport per call. */
#define TB_HTTP_STREAM_CHUNK (64u * 1024)

/* Bytes `tbserve export` builds before writing them out: memory stays flat
 * however large the logdir. */
#define TB_EXPORT_FLUSH (256u * 1024)
/* ---- W&B .wandb files (wandb_log.c, wandb.c) ------------------------------ */

/* One W&B record reassembled from FIRST/MIDDLE/LAST chunks. Real records are
 * below 1 MB (the fixtures' largest chunk is 8 KB); a longer chain is dropped
 * (logged) and reading resumes at the next record, so a chunk chain that never
 * ends costs at most this much memory. */
#define TB_WANDB_MAX_RECORD (64u * 1024 * 1024)

/* Items in one history row (wandb.log call). Real rows have tens to a few
 * hundred keys; the items past this are dropped and logged. */
#define TB_WANDB_MAX_ROW_ITEMS 10000

/* Series one W&B run may create (history keys, system metrics, media). */
#define TB_WANDB_MAX_SERIES 65536

/* Nesting of one JSON value (history values, config, summary); deeper values
 * are kept as text, not decoded (cJSON would recurse that deep). */
#define TB_WANDB_MAX_JSON_DEPTH 64

/* Bytes of one JSON value we decode (tables, histograms); longer values are
 * listed by their length only. */
#define TB_WANDB_MAX_JSON (4u * 1024 * 1024)

/* Bytes of a files/media table we read to show it as a text table. */
#define TB_WANDB_MAX_TABLE_FILE (4u * 1024 * 1024)

/* A W&B media image (files/media/images/...) indexed for the images view:
 * read once at load for its CRC, then read back on request. Logged images
 * are KBs to a few MB; a larger file is listed by its path instead. */
#define TB_WANDB_MAX_IMAGE_FILE (64u * 1024 * 1024)

/* Bytes of one console line after \r and ANSI handling; longer lines are
 * cut (a progress bar never gets near). */
#define TB_WANDB_MAX_LINE (64u * 1024)

/* Console lines per text point: a long log becomes several points. */
#define TB_WANDB_CONSOLE_LINES 500

/* ---- S3-compatible object storage (s3.c, source.c) ---- */

/* Requests in flight to one store at once (curl handles kept, and the
 * loader's readers for it): 8 loaded the benchmark logdir faster than 16
 * on two cores with a third less peak memory (docs/PERFORMANCE.md), and
 * stays polite to the store. */
#define TB_S3_MAX_PARALLEL 8

/* After a throttled answer halves the requests allowed at once, this many
 * answers without throttling allow one more again. */
#define TB_S3_CALM_TO_GROW 8

/* Bytes of one ListObjectsV2 page we accept: 1,000 keys of S3's 1,024-byte
 * maximum with their XML is under 2 MiB. */
#define TB_S3_MAX_LIST_BODY (4u * 1024 * 1024)

/* Bytes of an error document kept (only its Code and Message are read). */
#define TB_S3_MAX_ERROR_BODY (16u * 1024)

/* Objects under one s3:// logdir: the listing is held in memory (about
 * 150 bytes each), so ten million runs' worth is the ceiling. */
#define TB_S3_MAX_OBJECTS (10u * 1000 * 1000)

/* S3 keys are at most 1,024 bytes of UTF-8; ETags are short hex strings
 * (multipart: "hex-N"). */
#define TB_S3_MAX_KEY 1024
#define TB_S3_MAX_ETAG 128

/* A request URL: endpoint + bucket + a key percent-encoded (3x). */
#define TB_S3_MAX_URL (TB_S3_MAX_KEY * 3 + 1024)

/* Tries per request for transient failures (network, timeout, 5xx, 503
 * SlowDown), with full-jitter backoff from BASE doubling up to MAX: about
 * 6 s of trying before the failure is reported (and retried next poll). */
#define TB_S3_ATTEMPTS 6
#define TB_S3_BACKOFF_BASE_MS 200
#define TB_S3_BACKOFF_MAX_MS 3000

/* Connecting may take this long; a transfer that moves no byte for
 * STALL seconds is a timeout (a slow but moving one is not). */
#define TB_S3_CONNECT_TIMEOUT_MS 5000
#define TB_S3_STALL_TIMEOUT_S 20

/* Seconds between polls of an object store at least, whatever
 * --reload_interval says: a listing is a billed request. */
#define TB_LIVE_MIN_REMOTE_INTERVAL 1.0

/* hparams: colParams of one session_groups request; the page sends
 * one per hparam and metric, and each costs a pass over every group. */
#define TB_MAX_HPARAMS_COLUMNS 4096u

/* hparams: a filterRegexp's length; POSIX regcomp's cost grows with
 * it and a real filter is a few words. */
#define TB_MAX_HPARAMS_REGEXP 1024u
/* ---- graphs plugin (api_graphs.c, pbtext.c, keras_graph.c) ------------ */

/* Serialized GraphDef / RunMetadata / Keras config we unpack for one
 * request. The largest real graph seen is 7 MB; 64 MiB is a 1M-node graph,
 * unpacked into an arena several times that size. Larger: 413. */
#define TB_MAX_GRAPH_BYTES (64u * 1024 * 1024)

/* Text format we send for one graph: about twice its protobuf for real
 * graphs (escaped tensor bytes up to four times). Larger: 413. */
#define TB_MAX_GRAPH_TEXT (256u * 1024 * 1024)

/* Protobuf bytes unpacked by graph requests at once, all together: each
 * byte costs about eight in messages and text (a 30 MB graph: +260 MiB
 * RSS), so 16 HTTP threads on 64 MiB graphs would need 8 GB. A request
 * beyond the budget while others hold it is a 503; a lone one always runs.
 * Real graphs (< 8 MB) never meet it. */
#define TB_GRAPHS_MAX_IN_FLIGHT (64u * 1024 * 1024)

/* Message nesting we unpack and print (both recurse per level), as Python
 * protobuf's default recursion limit: deeper is a 400, not a stack overflow. */
#define TB_MAX_PB_DEPTH 100

/* Inbound tensors of one Keras layer read from its config; real layers
 * have one to a few (a Concatenate of hundreds is still below). */
#define TB_MAX_KERAS_INBOUND 1024

/* ---- PR curves and custom scalars ---------------------------------- */

/* Instructions of one compiled tag regex (pyre.c): counted repeats are
 * expanded, so "a{1000}{1000}" would be a million; real layout regexes
 * compile to tens. Matching costs O(subject x instructions). */
#define TB_MAX_REGEX_INSTS (64u * 1024)

/* Group nesting in a tag regex: the parser recurses once per level. */
#define TB_MAX_REGEX_DEPTH 200

/* Thresholds of one PR curve ([6, N] tensor) served; TensorBoard's writers
 * default to 127 and 201; a point declaring more is answered with 400. */
#define TB_MAX_PR_THRESHOLDS (1u * 1024 * 1024)

#endif
