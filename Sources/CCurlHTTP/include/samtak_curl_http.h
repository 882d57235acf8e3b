#ifndef SAMTAK_CURL_HTTP_H
#define SAMTAK_CURL_HTTP_H
// What HTTP transfers need beyond CCurlSMTP's wrappers: the response body callback and
// header lists (Swift cannot call the variadic curl_easy_setopt directly).
#include <curl/curl.h>

CURLcode samtak_curl_setopt_write_function(CURL *handle, size_t (*function)(char *, size_t, size_t, void *));
CURLcode samtak_curl_setopt_headers(CURL *handle, struct curl_slist *headers);
CURLcode samtak_curl_setopt_post_body(CURL *handle, const char *body, long length);
#endif
