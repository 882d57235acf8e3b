#ifndef SAMTAK_CURL_SMTP_H
#define SAMTAK_CURL_SMTP_H
// Non-variadic wrappers around libcurl's easy interface: Swift cannot call the variadic
// curl_easy_setopt/curl_easy_getinfo directly.
#include <curl/curl.h>

CURLcode samtak_curl_setopt_long(CURL *handle, CURLoption option, long value);
CURLcode samtak_curl_setopt_string(CURL *handle, CURLoption option, const char *value);
CURLcode samtak_curl_setopt_pointer(CURL *handle, CURLoption option, void *value);
CURLcode samtak_curl_setopt_read_function(CURL *handle, size_t (*function)(char *, size_t, size_t, void *));
CURLcode samtak_curl_getinfo_long(CURL *handle, CURLINFO info, long *value);
// Progress callback (CURLOPT_XFERINFOFUNCTION); return non-zero from it to abort the transfer.
// Also set CURLOPT_NOPROGRESS to 0 and CURLOPT_XFERINFODATA.
CURLcode samtak_curl_setopt_xferinfo_function(CURL *handle,
    int (*function)(void *, curl_off_t, curl_off_t, curl_off_t, curl_off_t));

// Sets a write function that drops the response body (an HTTP POST whose answer only matters by status).
CURLcode samtak_curl_discard_response_body(CURL *handle);

// Option values (enums/macros not always imported as constants into Swift).
long samtak_curl_usessl_none(void);
long samtak_curl_usessl_try(void);
long samtak_curl_usessl_all(void);
#endif
