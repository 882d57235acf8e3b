#ifndef SAMTAK_CRDKAFKA_SHIM_H
#define SAMTAK_CRDKAFKA_SHIM_H
#include <librdkafka/rdkafka.h>
#if RD_KAFKA_VERSION < 0x020800ff
#error "librdkafka >= 2.8.0 is required (Debian bookworm's 2.0.2 cannot talk to the broker); run Deploy/bootstrap"
#endif
#endif
