// Files compiled into the binary so that bgpdemo works from any directory: every
// scenarios/*.yaml, templates/*.mustache and core/ui/assets/* (the ui's page) of the source
// tree. The definition is generated
// at build time by cmake/embed_files.cmake (build/generated/core/embedded_files.cpp).
#pragma once

#include <optional>
#include <span>
#include <string_view>

namespace bgpdemo::core {

struct EmbeddedFile {
  std::string_view path;     // relative to the source tree: "templates/kind.yaml.mustache"
  std::string_view content;  // the file's bytes; static storage
};

// In path order.
std::span<const EmbeddedFile> EmbeddedFiles();

// The content of the embedded file at `path`, if there is one.
std::optional<std::string_view> FindEmbeddedFile(std::string_view path);

}  // namespace bgpdemo::core
