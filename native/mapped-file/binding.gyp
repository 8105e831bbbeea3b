{
  "targets": [
    {
      "target_name": "mapped_file",
      "sources": ["mapped-file.c"],
      "cflags": ["-Wall", "-Wextra", "-O2"]
    }
  ]
}
