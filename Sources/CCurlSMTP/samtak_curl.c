#include "samtak_curl.h"

CURLcode samtak_curl_setopt_long(CURL *handle, CURLoption option, long value) {
    return curl_easy_setopt(handle, option, value);
}
CURLcode samtak_curl_setopt_string(CURL *handle, CURLoption option, const char *value) {
    return curl_easy_setopt(handle, option, value);
}
CURLcode samtak_curl_setopt_pointer(CURL *handle, CURLoption option, void *value) {
    return curl_easy_setopt(handle, option, value);
}
CURLcode samtak_curl_setopt_read_function(CURL *handle, size_t (*function)(char *, size_t, size_t, void *)) {
    return curl_easy_setopt(handle, CURLOPT_READFUNCTION, function);
}
CURLcode samtak_curl_getinfo_long(CURL *handle, CURLINFO info, long *value) {
    return curl_easy_getinfo(handle, info, value);
}
CURLcode samtak_curl_setopt_xferinfo_function(CURL *handle,
    int (*function)(void *, curl_off_t, curl_off_t, curl_off_t, curl_off_t)) {
    return curl_easy_setopt(handle, CURLOPT_XFERINFOFUNCTION, function);
}
long samtak_curl_usessl_none(void) { return CURLUSESSL_NONE; }
long samtak_curl_usessl_try(void) { return CURLUSESSL_TRY; }
long samtak_curl_usessl_all(void) { return CURLUSESSL_ALL; }

// The OTLP exporter (SamtakRuntime) does not need the collector's answer body, only its status.
static size_t samtak_curl_discard(char *data, size_t size, size_t count, void *context) {
    (void)data; (void)context;
    return size * count;
}
CURLcode samtak_curl_discard_response_body(CURL *handle) {
    return curl_easy_setopt(handle, CURLOPT_WRITEFUNCTION, samtak_curl_discard);
}
