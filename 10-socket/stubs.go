package main

import "github.com/goipc/ipc-examples/common/say"

func receiver([]string)                    {}
func fdPass(p *say.Speaker, d *dir)        {}
func unlinkOnClose(p *say.Speaker, d *dir) {}
