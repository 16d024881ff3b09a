// Files that bgpdemo writes for itself (a demo's state, the lab's generated configs, the
// kind provider's rendered files): written whole or not at all.
#pragma once

#include <string>
#include <vector>

#include "base/error.h"
#include "base/result.h"

namespace bgpdemo::core {

// Writes `text` to `path` through a temporary file beside it and a rename, so that a reader
// never sees half of it; `mode` for a new file. Errors (kFailed) name the file and the
// system's reason; the temporary file is removed.
Result<void, Error> WriteFileAtomic(const std::string& path, const std::string& text,
                                    unsigned mode = 0644);

// Removes `path` and the temporary files a WriteFileAtomic of it that was killed midway left
// beside it ("path.tmp.<pid>"); returns what it removed. Nothing there is no error.
std::vector<std::string> RemoveWritten(const std::string& path);

}  // namespace bgpdemo::core
