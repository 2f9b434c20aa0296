{
  "targets": [
    {
      "target_name": "havipd_native",
      "sources": ["src/native/havipd_native.c"],
      "cflags": ["-Wall", "-Wextra", "-O2", "-std=gnu11"],
      "defines": ["NAPI_VERSION=8", "_GNU_SOURCE"]
    }
  ]
}
