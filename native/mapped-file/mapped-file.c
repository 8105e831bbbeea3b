// routeguide's index file mapper: maps a part of a file read-only and shared, as an ArrayBuffer that
// unmaps itself when collected. Offsets and lengths travel as 64-bit integers, so a section at or past
// 2 GiB or 4 GiB maps where it is (@raygun-nickj/mmap-io passes them as C ints). POSIX only.
#include <errno.h>
#include <stdio.h>
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
#include <node_api.h>

static void unmap(napi_env env, void *data, void *hint) {
  (void)env;
  munmap(data, (size_t)(uintptr_t)hint);
}

static napi_value throw_errno(napi_env env, const char *what, int code) {
  char message[160];
  snprintf(message, sizeof message, "%s: %s", what, strerror(code));
  napi_throw_error(env, NULL, message);
  return NULL;
}

// map(fd, offset, length) -> ArrayBuffer; advises random access.
static napi_value map(napi_env env, napi_callback_info info) {
  size_t argc = 3;
  napi_value argv[3];
  int32_t fd;
  int64_t offset, length;
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok || argc != 3 ||
      napi_get_value_int32(env, argv[0], &fd) != napi_ok ||
      napi_get_value_int64(env, argv[1], &offset) != napi_ok ||
      napi_get_value_int64(env, argv[2], &length) != napi_ok) {
    napi_throw_type_error(env, NULL, "map(fd, offset, length) takes three integers");
    return NULL;
  }
  if (offset < 0 || length <= 0) {
    napi_throw_range_error(env, NULL, "map: offset must be 0 or more and length more than 0");
    return NULL;
  }
  void *data = mmap(NULL, (size_t)length, PROT_READ, MAP_SHARED, fd, (off_t)offset);
  if (data == MAP_FAILED) return throw_errno(env, "mmap", errno);
  if (madvise(data, (size_t)length, MADV_RANDOM) != 0) {
    int code = errno;
    munmap(data, (size_t)length);
    return throw_errno(env, "madvise", code);
  }
  napi_value buffer;
  if (napi_create_external_arraybuffer(env, data, (size_t)length, unmap, (void *)(uintptr_t)length, &buffer) != napi_ok) {
    munmap(data, (size_t)length);
    napi_throw_error(env, NULL, "map: could not wrap the mapping in an ArrayBuffer");
    return NULL;
  }
  return buffer;
}

NAPI_MODULE_INIT() {
  napi_value function, page_size;
  if (napi_create_function(env, "map", NAPI_AUTO_LENGTH, map, NULL, &function) != napi_ok) return NULL;
  if (napi_set_named_property(env, exports, "map", function) != napi_ok) return NULL;
  if (napi_create_int64(env, (int64_t)sysconf(_SC_PAGESIZE), &page_size) != napi_ok) return NULL;
  if (napi_set_named_property(env, exports, "pageSize", page_size) != napi_ok) return NULL;
  return exports;
}
