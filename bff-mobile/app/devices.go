package app

import (
	"net/http"
	"strings"
	"time"

	"bffsuite.dev/shared/devices"
	"bffsuite.dev/shared/domain"
	"bffsuite.dev/shared/problem"
	"github.com/gin-gonic/gin"
)

type deviceRequest struct {
	Platform   string `json:"platform,omitempty"`
	AppVersion string `json:"app_version,omitempty"`
}

func (h *App) putDevice(c *gin.Context) {
	var in deviceRequest
	if err := decodeBody(c, &in, true); err != nil {
		problem.Abort(c, err)
		return
	}
	if in.Platform == "" {
		in.Platform = strings.ToLower(strings.TrimSpace(c.GetHeader(HeaderPlatform)))
	}
	if in.AppVersion == "" {
		in.AppVersion = strings.TrimSpace(c.GetHeader(HeaderAppVersion))
	}
	v := &domain.ValidationError{}
	devices.ValidateToken(v, c.Param("token"))
	switch in.Platform {
	case devices.PlatformIOS, devices.PlatformAndroid:
	case "":
		v.Add("platform", "required", "send platform (ios or android) or the X-Platform header")
	default:
		v.Add("platform", "invalid", "must be ios or android")
	}
	if in.AppVersion != "" {
		if _, err := ParseVersion(in.AppVersion); err != nil {
			v.Add("app_version", "invalid", "must be a semantic version such as 2.3.1")
		}
	}
	if err := v.Err(); err != nil {
		problem.Abort(c, err)
		return
	}
	created, err := h.devices.Put(c.Request.Context(), devices.Device{
		Token: c.Param("token"), CustomerID: subject(c), Platform: in.Platform, AppVersion: in.AppVersion, UpdatedAt: time.Now().UTC(),
	})
	if err != nil {
		problem.Abort(c, err)
		return
	}
	if created {
		c.Status(http.StatusCreated)
		c.Writer.WriteHeaderNow()
		return
	}
	c.Status(http.StatusNoContent)
}

func (h *App) deleteDevice(c *gin.Context) {
	v := &domain.ValidationError{}
	devices.ValidateToken(v, c.Param("token"))
	if err := v.Err(); err != nil {
		problem.Abort(c, err)
		return
	}
	if err := h.devices.Delete(c.Request.Context(), subject(c), c.Param("token")); err != nil {
		problem.Abort(c, err)
		return
	}
	c.Status(http.StatusNoContent)
}
