module bffsuite.dev/workers

go 1.26.0

require bffsuite.dev/shared v0.0.0

replace bffsuite.dev/shared => ../shared
