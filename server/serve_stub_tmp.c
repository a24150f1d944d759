#include <stdio.h>
#include "app.h"
int tb_serve(tb_app *app);
int tb_serve(tb_app *app) { (void)app; fprintf(stderr, "tbserve: serving is not built yet\n"); return 1; }
