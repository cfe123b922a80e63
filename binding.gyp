{
  "targets": [
    {
      "target_name": "trtjs",
      "sources": [
        "<!@(node -p \"(require('fs').existsSync('native/cpu') ? require('fs').readdirSync('native/cpu') : []).filter(f => f.endsWith('.cpp')).map(f => 'native/cpu/' + f).join(' ')\")",
        "<!@(node -p \"(require('fs').existsSync('native/napi') ? require('fs').readdirSync('native/napi') : []).filter(f => f.endsWith('.cpp')).map(f => 'native/napi/' + f).join(' ')\")"
      ],
      "include_dirs": ["<!(node -p \"require('node-addon-api').include_dir\")", "native"],
      "defines": [
        "NAPI_VERSION=8", "NAPI_CPP_EXCEPTIONS", "NODE_ADDON_API_DISABLE_DEPRECATED",
        "TRTJS_VERSION=\"<!(node -p \"require('./package.json').version\")\"",
        "TRTJS_LAYERS=\"cpu\""
      ],
      "cflags!": ["-fno-exceptions"],
      "cflags_cc!": ["-fno-exceptions", "-std=gnu++14", "-std=gnu++17"],
      "cflags_cc": ["-std=c++17", "-fexceptions", "-O3"],
      "xcode_settings": { "GCC_ENABLE_CPP_EXCEPTIONS": "YES", "CLANG_CXX_LANGUAGE_STANDARD": "c++17" }
    }
  ]
}
