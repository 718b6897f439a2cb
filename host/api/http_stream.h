/*
 * http_stream - answers one HTTP request with a plugin's query op, streamed:
 * the query runs on a worker thread; an answer that fits a 64 KiB buffer
 * is sent from it, a bigger one through a pipe that libmicrohttpd sends
 * from as the client reads, so an answer of any size costs a buffer and a
 * pipe, never the whole answer in memory. The status and content type are
 * the plugin's, known at its first write.
 */
#ifndef CDH_HTTP_STREAM_H
#define CDH_HTTP_STREAM_H

#include <microhttpd.h>

#include "api/directory.h"
#include "api/queries.h"
#include "store/store.h"

/*
 * Runs `provider` (its query op) for the request on `conn` and queues the
 * response. Takes the caller's reference to `dir`. Returns MHD's result.
 */
enum MHD_Result cdh_http_stream(struct MHD_Connection *conn,
				const char *method, const char *path,
				struct cdh_store *store,
				struct cdh_directory *dir,
				const struct cdh_directory_provider *provider);

/* Waits until every query thread has ended (after the server stopped, so
 * their readers are gone and they end at their next write). */
void cdh_http_stream_drain(void);

#endif
