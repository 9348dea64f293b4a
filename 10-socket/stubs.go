package main

import "github.com/goipc/ipc-examples/common/say"

func dial([]string)                        {}
func receiver([]string)                    {}
func stale(p *say.Speaker, d *dir)         {}
func sunPath(p *say.Speaker, d *dir)       {}
func abstract(p *say.Speaker)              {}
func boundaries(p *say.Speaker)            {}
func peerCreds(p *say.Speaker)             {}
func fdPass(p *say.Speaker, d *dir)        {}
func unlinkOnClose(p *say.Speaker, d *dir) {}
