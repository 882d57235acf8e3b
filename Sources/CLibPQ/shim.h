#ifndef SAMTAK_CLIBPQ_SHIM_H
#define SAMTAK_CLIBPQ_SHIM_H
#include <libpq-fe.h>
#endif
