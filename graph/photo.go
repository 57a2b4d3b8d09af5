package graph

import (
	"context"

	"github.com/google/uuid"

	"github.com/facestat/facestat/ent"
	"github.com/facestat/facestat/graph/model"
	"github.com/facestat/facestat/photos"
	"github.com/facestat/facestat/relay"
)

// Global id types.
const (
	typePhoto  = "Photo"
	typeUser   = "User"
	typeViewer = "Viewer"
)

// photoConnection wraps one page of photos.
func photoConnection(list []*ent.Photo, more bool) *model.PhotoConnection {
	c := &model.PhotoConnection{
		Edges:    make([]*model.PhotoEdge, len(list)),
		Nodes:    list,
		PageInfo: &model.PageInfo{HasNextPage: more},
	}
	for i, p := range list {
		c.Edges[i] = &model.PhotoEdge{Cursor: photos.CursorOf(p).String(), Node: p}
	}
	if n := len(list); n > 0 {
		c.PageInfo.EndCursor = &c.Edges[n-1].Cursor
	}
	return c
}

// listPhotos validates the page arguments and returns one page; ownerID
// restricts it to one owner's photos.
func (r *Resolver) listPhotos(ctx context.Context, first int, after *string, ascending bool, ownerID *uuid.UUID, includePrivate bool) (*model.PhotoConnection, error) {
	page, err := relay.ParsePage(first, after, r.Limits.MaxPageSize)
	if err != nil {
		return nil, err
	}
	list, more, err := r.Photos.List(ctx, page, ascending, ownerID, includePrivate)
	if err != nil {
		return nil, err
	}
	return photoConnection(list, more), nil
}
