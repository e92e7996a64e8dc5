'use strict';
// Preloaded by `apm-bench calibrate`: a preload that does nothing, so the A/A
// comparison also covers the cost of loading one more file.
