module github.com/go-passport/passport/examples

go 1.26

require github.com/go-passport/passport v0.0.0

replace github.com/go-passport/passport => ../
