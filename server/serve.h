/*
 * serve.h - running the server: bind, banner, load in the background, serve
 * until SIGINT/SIGTERM. Returns the process exit status.
 */
#ifndef TB_SERVE_H
#define TB_SERVE_H

#include "app.h"

int tb_serve(tb_app *app);

#endif
