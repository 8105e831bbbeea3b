{
  "targets": [
    {
      "target_name": "mapped_file",
      "sources": ["mapped-file.c"],
      "cflags": ["-Wall", "-Wextra", "-O2"],
      "conditions": [
        ["OS=='win'", { "type": "none", "sources!": ["mapped-file.c"] }]
      ]
    }
  ]
}
